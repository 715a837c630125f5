// Package restapi is api-server-rest: the plain-HTTP API a confidential
// pod's containers use to reach the guest's attestation-agent (AA) and
// confidential-data-hub (CDH), wire-compatible with guest-components'
// api-server-rest.
//
// Routes, methods, query names, status codes and bodies are upstream's:
//
//	GET  /info                                   version, TEE and feature (JSON)
//	GET  /cdh/resource/<repo>/<type>/<tag>       CDH GetResource("kbs:///<repo>/<type>/<tag>")
//	GET  /aa/token?token_type=kbs                AA GetToken
//	GET  /aa/evidence?runtime_data=..[&encoding=base64]             AA GetEvidence
//	GET  /aa/additional-evidence?runtime_data=..[&encoding=base64]  AA GetAdditionalEvidence
//	POST /aa/aael  {"domain":..,"operation":..,"content":..}        AA ExtendRuntimeMeasurement
//
// A client that is not on a loopback address gets 403 "Forbidden". A
// route of a feature that is off answers 404 "Resource Feature Not
// Enabled" or "Attestation Feature Not Enabled"; an unknown route 404
// "URL NOT FOUND"; a missing or undecodable query parameter 400 "BAD
// REQUEST"; a failed AA or CDH call 500 with upstream's one-line summary
// ("ttrpc request error"), the cause going to the log only.
//
// Upstream quirks kept on purpose, because workloads may rely on them:
// /cdh routes ignore the method and the query string, runtime_data is sent
// unhashed as report data, and the query is decoded as
// application/x-www-form-urlencoded with the last of repeated names
// winning and invalid UTF-8 replaced.
package restapi
