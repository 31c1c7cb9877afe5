// GancSource
