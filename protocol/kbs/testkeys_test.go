package kbs

import "testing"

// Fixed TEE keys, generated for these tests only, so fuzz inputs that
// decrypt stay reproducible across runs.
const (
	testP256PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3lZTY6UJTBkdqmdx
4C193PrWmySB8z5UyI2u4yIw3Z2hRANCAATE5hj6t/xCz8jvrMqWJNrFR6EYyPBQ
bMotgOlGkZjaRJfS3hOyexkGRhbJgWMX0AcRhvkLWADMTVjPF+mLhAsk
-----END PRIVATE KEY-----
`
	testP521PEM = `-----BEGIN PRIVATE KEY-----
MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIB61rQ1x5QSxn6DrAZ
5l3yb8boEoBGLfvdC/2rH4VMUg70KSJB4iGvlMGYbAemfBmoxZk1MJRIV+Vy2XG4
VOQMuFyhgYkDgYYABAENzfD2B2nn8iAqhEHC6rWb6HyPG45+TmFDaA/4iPaog60D
nWqft/rPv32VoLUIPzgmpS3k4QiA+pfefeyQanC5MAEA4BSoRyDJXt/y/QK+A+EG
A7oaTu+BRh1nqtNX+3PCDpKkYaa1qp8fuw0qxwQVpIjVxZub2HyP9UNtVar8kGZA
LA==
-----END PRIVATE KEY-----
`
	testRSAPEM = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDD9EOLaCdqAOd+
Dm2e9FWWs5+7ur8/YGGHvWevoQ3tp6nSBYuB1SJp0a1HCY2bgUSw45LjlhMlP7g2
jR3M/6B4TJCkoT5jH0IgJ1NwuAv9QgY3OmYpriddg70r+75/3+laCKdci3y16vGP
w5bmV62wdgC3T7Rq9PnGEXtS+u0qIwRgIoZ7hrHec/R6oiT6JwZYeJOaPJc0/Wgq
K2WXy0JSRGqBEPSthlZH8MotycCVjG4QwcOL/+L1cvry+sRWsqctqyecb3Oyjns0
ybqhlACz6LMs3N4wZQjE0dEfxcZp85ua8ETPb2Zd7lnDkvc1SfqPO6P7q3uvYBm5
1m1BrF3pAgMBAAECggEAAdvYTtiPFHyrtXtnjiFyimUWd85pWq2MX0rsUoiBkaaM
gCyDSpj9+ZOpRB+SvfiM8UHyC8H0WTRwh+abc21dVVF3Rx3XHKjtlKaALnU1z+eH
bZCv6ryh16Dp83fbh7+qVACkWHFjnnTQaR+0LRKEgu8A9Lwx0ZiUofdafHVa4z0W
NQ0z1YVKj1M6jlIwE9wbW7rBv3ca0WrOrZc3tyA8iAZGg/XwQrlZx0a9x7Yfy1y6
qVn0k8SNqhUzKjUIWbJ5Ksccx1IqOnyWL2JTFxxd+YSl9ePJsJc0pJDJgFGV+ute
SpTvkhZJbG6/hvf18xToausVplPwO0l5kMAeVNMrfQKBgQDTzh6KQdWyrSsAxmKR
B4NGDNOmpwhhpiAwC6ukUIgbYYHO9ovsANTbRx22b47EdOyUXKnBsVycWkTLupG3
VtV7mZPNKHNuQsKfbZ8YlzmDBEcOmv4ETbtxFFOnooc4pZzxgYcEzNp3xf3RJlI4
Qhvdv1TNt3K4JQoOzfi2JPCmNwKBgQDs13C/HnYTqnCrsBlBBRgzHeMvS4a58Qai
Vf9JKrsgPogvR1jhaxprO+i95yzGh+gt84fob8qhWeXhf265PdffbhdC8IHnPpgb
ey+nWg25cZr+iBdNlOBD6hrBH7sRVWv9tuX2JuDnbxnd+QURtBjEnz19+OU2nPzh
gvz6ZUcM3wKBgGdtuOYk3fjhrSU0uz89HvKfIt+3o1Uj7YXovQmBNeXBCMWLCarW
gRsPMEg9U8dFnZ2ZXmAyfxnuzrd5xNx1r8wqo81EWpHWUfnOaylz92auORC9yRtK
5iSDG5K5wDR+UxRv/wHuEyT370kp4G6OgdMYMo4+bevUUoQGOtSfV1CjAoGAI1NS
9r6lX/OJEKKYcbE/1cf8bb53Ht7LXYU0KYadGIcbKuoaYKzn6Nyrrz9+1zHIOKpd
OBcMgxp0hjjKnAiUXTf/cjWLOqGEcHzkM7Lj3ygJtTM5PpIZDSgqy2lfLouuKs6P
6DIOU5anpgsRbX2OQC18L4DjN00dDsnJz9MxUMMCgYEAnUwrTgSJzdRXUhmzNP2U
scsUArbCOpB9nD7p6EKya+ZEwqo9fcdEJ0eJbUNFuZeqoXmg6HveDmu7YytZ/L2Q
lSciFV1Gt3qgbuJGLENZ3ysqyTB6VITZE7erRFXcx/U9qLKjOuOcVB3g9kciYZx7
GjHr3kIvQqR8iojnkgwodRM=
-----END PRIVATE KEY-----
`
)

// testKeyPair loads one of the fixed keys for a JWE algorithm.
func testKeyPair(tb testing.TB, pemText, algorithm string) *TeeKeyPair {
	tb.Helper()
	k, err := ParseTeeKeyPairPEM([]byte(pemText), algorithm)
	if err != nil {
		tb.Fatalf("ParseTeeKeyPairPEM: %v", err)
	}
	return k
}

// testKeys are the four TEE key kinds the protocol defines.
func testKeys(tb testing.TB) map[string]*TeeKeyPair {
	tb.Helper()
	return map[string]*TeeKeyPair{
		"P-256":        testKeyPair(tb, testP256PEM, ""),
		"P-521":        testKeyPair(tb, testP521PEM, ""),
		"RSA-OAEP-256": testKeyPair(tb, testRSAPEM, AlgRSAOAEP256),
		"RSA1_5":       testKeyPair(tb, testRSAPEM, AlgRSA15),
	}
}
