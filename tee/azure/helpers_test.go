package azure

// v2ReportData is the report data evidence-v2.json is bound to.
const v2ReportData = "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9aa398f647caa2338748cd0fd9f5f819ef"
