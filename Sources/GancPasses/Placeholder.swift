// GancPasses
