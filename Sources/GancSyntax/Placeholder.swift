// GancSyntax
