// GancLowering
