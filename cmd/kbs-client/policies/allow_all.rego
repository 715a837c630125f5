package policy

import rego.v1

# Release every resource of the resource plugin to any client that holds a
# valid attestation token, whatever the token says. Other plugins stay closed.
default allow := false

allow if data.plugin == "resource"
