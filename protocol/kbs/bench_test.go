package kbs

import (
	"bytes"
	"testing"
)

var benchPlaintext = bytes.Repeat([]byte("resource"), 128) // 1 KiB

func benchmarkEncrypt(b *testing.B, pemText, algorithm string) {
	key := testKeyPair(b, pemText, algorithm).PublicKey()
	b.SetBytes(int64(len(benchPlaintext)))
	for b.Loop() {
		if _, err := Encrypt(key, benchPlaintext); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncryptP256(b *testing.B) { benchmarkEncrypt(b, testP256PEM, "") }
func BenchmarkEncryptP521(b *testing.B) { benchmarkEncrypt(b, testP521PEM, "") }
func BenchmarkEncryptRSA(b *testing.B)  { benchmarkEncrypt(b, testRSAPEM, AlgRSAOAEP256) }

func BenchmarkDecryptP256(b *testing.B) {
	k := testKeyPair(b, testP256PEM, "")
	resp, err := Encrypt(k.PublicKey(), benchPlaintext)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchPlaintext)))
	for b.Loop() {
		if _, err := k.Decrypt(resp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRuntimeDataDigest(b *testing.B) {
	key := testKeyPair(b, testP256PEM, "").PublicKey()
	rd := PrimaryRuntimeData("K0FRf3bSMoZ1tUP5DwRr2n8uF7aFN6YhZr7JtPQ0Y5k=", key, "")
	for b.Loop() {
		if _, err := RuntimeDataDigest(SHA384, rd); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalize(b *testing.B) {
	key := testKeyPair(b, testRSAPEM, "").PublicKey()
	rd := PrimaryRuntimeData("K0FRf3bSMoZ1tUP5DwRr2n8uF7aFN6YhZr7JtPQ0Y5k=", key,
		`{"nvidia":{"evidence_list":[{"certificate":"`+string(bytes.Repeat([]byte("Q"), 2048))+`"}]}}`)
	for b.Loop() {
		if _, err := Canonicalize(rd); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseProtectedHeader compares the scanner with the map decoding
// it replaced, on the header of a P-256 JWE.
func BenchmarkParseProtectedHeader(b *testing.B) {
	resp, err := Encrypt(testKeyPair(b, testP256PEM, "").PublicKey(), benchPlaintext)
	if err != nil {
		b.Fatal(err)
	}
	raw := mustB64(b, resp.Protected)
	b.Run("scanner", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseProtectedHeader(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseHeaderViaMap(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
