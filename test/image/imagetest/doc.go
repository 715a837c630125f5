// Package imagetest runs the real image tools of the image tests on
// loopback: Debian's docker-registry and skopeo, gpg, and the Cocoon
// binaries (trustee, coco-keyprovider, cocoon-image), and builds small
// OCI images in Go. A missing tool fails the test with the apt-get line
// that installs it; nothing here skips.
//
// A typical encrypted and signed test image (see test/image's tests):
//
//	bins, err := imagetest.BuildCommands(dir, "./cmd/trustee", "./cmd/coco-keyprovider", "./cmd/cocoon-image")
//	reg := imagetest.StartRegistry(t)
//	img := imagetest.BuildImage(t, imagetest.BusyboxLayer(t), imagetest.DataLayer(map[string][]byte{"data/hello": []byte("hi")}))
//	plain := imagetest.NewSkopeo(t).Push(t, img, reg.Ref("app", "plain"))
//	tr := imagetest.StartTrustee(t, bins["trustee"], true)
//	kp := imagetest.StartKeyProvider(t, bins["coco-keyprovider"], tr)
//	enc := reg.Ref("app", "encrypted")
//	imagetest.CocoonImage(t, bins["cocoon-image"], kp.Env(), "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
//		"--encryption-key", "provider:attestation-agent:keyid=kbs:///default/key/t1::algorithm=A256GCM", plain, enc)
//
// Signatures: NewSigstoreKey (cocoon-image generate-sigstore-key) with
// Skopeo.Copy and --sign-by-sigstore-private-key, NewGPGKey with
// --sign-by; RegistriesD points skopeo at the lookaside directory and
// turns on sigstore attachments.
package imagetest
