// GancRuntime: kernels, random numbers, the executor and optimizers.
