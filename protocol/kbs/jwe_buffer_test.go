package kbs

import (
	"bytes"
	"testing"
)

// decodePartsOneByOne is the previous decoding, one allocation per member:
// the reference for jweBuffer.decodeParts.
func decodePartsOneByOne(r *Response) (receivedParts, error) {
	var p receivedParts
	var err error
	if p.encryptedKey, err = decodeB64URL("encrypted_key", r.EncryptedKey); err != nil {
		return p, err
	}
	if p.iv, err = decodeB64URL("iv", r.IV); err != nil {
		return p, err
	}
	ciphertext, err := decodeB64URL("ciphertext", r.Ciphertext)
	if err != nil {
		return p, err
	}
	tag, err := decodeB64URL("tag", r.Tag)
	if err != nil {
		return p, err
	}
	if r.AAD != "" {
		if _, err := decodeB64URL("aad", r.AAD); err != nil {
			return p, err
		}
	}
	if len(p.iv) != ivSize || len(tag) != tagSize {
		return p, ErrDecrypt
	}
	p.sealed = append(ciphertext, tag...)
	p.aad = []byte(r.Protected)
	if r.AAD != "" {
		p.aad = append(append(p.aad, '.'), r.AAD...)
	}
	return p, nil
}

func FuzzDecodeParts(f *testing.F) {
	for _, k := range testKeys(f) {
		r, err := Encrypt(k.PublicKey(), []byte("seed"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(r.Protected, r.EncryptedKey, r.IV, r.Ciphertext, r.Tag, "")
		f.Add(r.Protected, r.EncryptedKey, r.IV, r.Ciphertext, r.Tag, "YWFk")
		f.Add(r.Protected, r.EncryptedKey, r.IV, "", r.Tag, "a\nb")
		f.Add("", "", r.IV, r.Ciphertext+"A", r.Tag+"AA", "")
		f.Add("", "=", "\r", "Zg==", "Zh", "$")
	}
	f.Fuzz(func(t *testing.T, protected, encryptedKey, iv, ciphertext, tag, aad string) {
		r := &Response{Protected: protected, EncryptedKey: encryptedKey, IV: iv, Ciphertext: ciphertext, Tag: tag, AAD: aad}
		buf := newJWEBuffer(r, 0)
		got, err := buf.decodeParts(r)
		want, wantErr := decodePartsOneByOne(r)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%+v: error %v, one by one %v", r, err, wantErr)
		}
		if err != nil {
			return
		}
		for _, m := range []struct {
			name      string
			got, want []byte
		}{
			{"encrypted_key", got.encryptedKey, want.encryptedKey},
			{"iv", got.iv, want.iv},
			{"sealed", got.sealed, want.sealed},
			{"aad", got.aad, want.aad},
		} {
			if !bytes.Equal(m.got, m.want) {
				t.Fatalf("%+v: %s %x, one by one %x", r, m.name, m.got, m.want)
			}
		}
	})
}

// uncompressedPointOneByOne is the previous coordinate decoding: both
// decoded in full, then their lengths checked.
func uncompressedPointOneByOne(c ecCurve, xB64, yB64 string) ([]byte, bool) {
	x, errX := decodeB64URL("x", xB64)
	y, errY := decodeB64URL("y", yB64)
	if errX != nil || errY != nil || len(x) != c.size || len(y) != c.size {
		return nil, false
	}
	return append(append([]byte{4}, x...), y...), true
}

func FuzzUncompressedPoint(f *testing.F) {
	for _, k := range testKeys(f) {
		pub := k.PublicKey()
		if pub.Kty == ktyEC {
			f.Add(pub.Crv == crvP521, pub.X, pub.Y)
			f.Add(pub.Crv != crvP521, pub.X, pub.Y)
			f.Add(pub.Crv == crvP521, pub.X+"A", pub.Y[1:])
		}
	}
	f.Add(false, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")
	f.Add(true, "\n", "")
	f.Fuzz(func(t *testing.T, p521 bool, x, y string) {
		c := ecCurves[0]
		if p521 {
			c = ecCurves[1]
		}
		point := make([]byte, c.pointSize())
		err := uncompressedPoint(point, c, x, y)
		want, ok := uncompressedPointOneByOne(c, x, y)
		if (err == nil) != ok || ok && !bytes.Equal(point, want) {
			t.Fatalf("%s x=%q y=%q: %x, %v; one by one %x", c.name, x, y, point, err, want)
		}
	})
}
