// GancSema
