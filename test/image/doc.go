// Package image holds the end-to-end tests of image encryption and
// signing with real tools on loopback: Debian's docker-registry and
// skopeo, gpg, and the trustee, coco-keyprovider and cocoon-image
// binaries built from this checkout. Helpers for other image tests are in
// the imagetest subpackage.
package image
