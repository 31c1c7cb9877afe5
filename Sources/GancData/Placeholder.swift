// GancData
