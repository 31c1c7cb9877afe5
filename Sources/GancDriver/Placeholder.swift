// GancDriver
