// GancDiagnostics
