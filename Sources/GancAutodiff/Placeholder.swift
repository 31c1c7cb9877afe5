// GancAutodiff
