package policy

# Release nothing, whatever the attestation token says.
default allow := false
