package ccel

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cocoon-cc/cocoon/internal/testutil/upstream"
)

func mustParse(t testing.TB, name string) *EventLog {
	t.Helper()
	l, err := Parse(upstream.Read(t, "trustee/eventlog/"+name))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return l
}

// roundTrip turns v into the generic JSON values a policy sees.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestClaimsMatchUpstream is upstream's test_query_digest: the whole
// serialized log equals the expected JSON.
func TestClaimsMatchUpstream(t *testing.T) {
	for _, name := range []string{"CCEL_data", "CCEL_data_ovmf", "CCEL_data_grub"} {
		t.Run(name, func(t *testing.T) {
			got := roundTrip(t, map[string]any{"uefi_event_logs": mustParse(t, name).Claims()})
			var want any
			if err := json.Unmarshal(upstream.Read(t, "trustee/eventlog/"+name+"_out.json"), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				gotJSON, _ := json.MarshalIndent(got, "", " ")
				t.Errorf("claims differ from upstream; got:\n%.3000s", gotJSON)
			}
		})
	}
}

func rtmrRefs(t *testing.T, values ...string) []Reference {
	t.Helper()
	refs := make([]Reference, len(values))
	for i, v := range values {
		b, err := hex.DecodeString(v)
		if err != nil {
			t.Fatal(err)
		}
		refs[i] = Reference{Index: uint32(i + 1), Alg: AlgSHA384, Value: b}
	}
	return refs
}

var zeroRTMR = strings.Repeat("00", 48)

// TestReplayUpstream is upstream's test_rtmr_integrity.
func TestReplayUpstream(t *testing.T) {
	cases := map[string][4]string{
		"CCEL_data": {
			"2dc712306a963eadb894ad47dbaa17df44814151555aee11cbb843becca88950ffd079664902e6f22c66f7c8213543f4",
			"0fa3be56af61208bbd179dc7b124988eb929319154663c539d6f46445ecac2fec287075047ff7bd1922829fec28cd3cf",
			zeroRTMR, zeroRTMR},
		"CCEL_data_ovmf": {
			"8566f998798db09443b244c62de9a3041fb02e2e6936c4396d784bba2e90177329ec5aba3bb484404f2ab9cc90abe193",
			"775b9f6bfe99f8a31396f0d0218e67ffa796d3b96ccf961cbb0deba48c79c00f082cda1a5567c1c16305f1fc210c13c6",
			"94eaf7a7bf398ed8d888c91057ae0261802e4f3df084213a76ca7f0b5055ac9d2241de43cd58d9e8b49c503bbf25f34a",
			zeroRTMR},
		"CCEL_data_grub": {
			"cec0a104f691f60da2387fea3c2de00c4ac035e2bb479ff02edcce69039d9e9907f0b3e55031da3dc7038f423adebd79",
			"6c289e0c62182d41ebe97bdbc9872d10998a08eaa86adcdc684001a363207ee72942c7522cdf00a4bbc3d784bed7b670",
			"08919d017ba0e52cd6d966351c7de16fe76c1d3d3d3da4554239e4c7d16cb8b82a94e7eaea3a0e6e18eb690b999fd31e",
			zeroRTMR},
		"CCEL_data_gcp": {
			"3300980705adf09d28b707b79699d9874892164280832be2c386a715b6e204e0897fb564a064f810659207ba862b304f",
			"204d49f78d29918fe7b2f694e76653861a0c2a018987d2c3a54266eff737232524cf0af68c4d180e2f8c2c0937f21967",
			zeroRTMR, zeroRTMR},
	}
	for name, rtmrs := range cases {
		t.Run(name, func(t *testing.T) {
			if err := mustParse(t, name).Verify(rtmrRefs(t, rtmrs[:]...)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestReplayMismatchUpstream is upstream's test_rtmr_integrity_error: the
// first wrong register is reported with the value the log replays to.
func TestReplayMismatchUpstream(t *testing.T) {
	cases := []struct {
		name, rtmr0, rtmr1, wantIndex, wantReplayed string
	}{
		{"CCEL_data_gcp",
			"3300980705adf09d28b707b79699d9874892164280832be2c386a715b6e204e0897fb564a064f810659207ba862b304d",
			"204d49f78d29918fe7b2f694e76653861a0c2a018987d2c3a54266eff737232524cf0af68c4d180e2f8c2c0937f21967",
			"index 1", "3300980705adf09d28b707b79699d9874892164280832be2c386a715b6e204e0897fb564a064f810659207ba862b304f"},
		{"CCEL_data",
			"2dc712306a963eadb894ad47dbaa17df44814151555aee11cbb843becca88950ffd079664902e6f22c66f7c8213543f4",
			"2fa3be56af61208bbd179dc7b124988eb929319154663c539d6f46445ecac2fec287075047ff7bd1922829fec28cd3cf",
			"index 2", "0fa3be56af61208bbd179dc7b124988eb929319154663c539d6f46445ecac2fec287075047ff7bd1922829fec28cd3cf"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := mustParse(t, c.name).Verify(rtmrRefs(t, c.rtmr0, c.rtmr1))
			if !errors.Is(err, ErrReplayMismatch) || !strings.Contains(err.Error(), c.wantIndex) || !strings.Contains(err.Error(), "replayed "+c.wantReplayed) {
				t.Fatalf("err = %v, want a mismatch at %s replaying to %s", err, c.wantIndex, c.wantReplayed)
			}
		})
	}
}

// TestTamperedEventFailsReplay flips one digest byte of a logged event.
func TestTamperedEventFailsReplay(t *testing.T) {
	raw := bytes.Clone(upstream.Read(t, "trustee/eventlog/CCEL_data"))
	good, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	rtmr1, _ := good.Replay(2, AlgSHA384)
	digest := good.Events[len(good.Events)-1].Digests[0].Value
	i := bytes.Index(raw, digest)
	raw[i] ^= 0x01
	tampered, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := tampered.Verify([]Reference{{Index: 2, Alg: AlgSHA384, Value: rtmr1}}); !errors.Is(err, ErrReplayMismatch) {
		t.Fatalf("tampered log replayed: %v", err)
	}
}

func TestParseRefusesMalformed(t *testing.T) {
	good := upstream.Read(t, "trustee/eventlog/CCEL_data_ovmf")
	hdr := len(ELHeader)
	unknownType := bytes.Clone(good)
	// The first event after the firmware's header starts at its length.
	first := 32 + int(binary.LittleEndian.Uint32(good[28:32]))
	unknownType[first+4] = 0x77
	for name, b := range map[string][]byte{
		"empty":            nil,
		"short header":     good[:10],
		"cut in an event":  good[:first+20],
		"unknown type":     unknownType,
		"header no digest": append(bytes.Clone(ELHeader[:hdr-10]), 1, 2),
	} {
		if _, err := Parse(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func TestBuildAndParseAAEL(t *testing.T) {
	text := []byte(`github.com/confidential-containers PullImage {"image":"docker.io/library/busybox:latest", "digest":"sha256:00"}`)
	tagged := append([]byte{0x4C, 0x45, 0x41, 0x41}, le32(uint32(len(text)))...)
	tagged = append(tagged, text...)
	digest := sha384(tagged)
	var aael []byte
	aael = append(aael, le32(4)...)
	aael = append(aael, le32(uint32(EvEventTag))...)
	aael = append(aael, le32(1)...)
	aael = append(aael, byte(AlgSHA384), 0)
	aael = append(aael, digest...)
	aael = append(aael, le32(uint32(len(tagged)))...)
	aael = append(aael, tagged...)

	t.Run("after CCEL", func(t *testing.T) {
		ccel := upstream.Read(t, "trustee/eventlog/CCEL_data")
		firmware := mustParse(t, "CCEL_data")
		log, err := Build(ccel, aael)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(log, EndMarker[:]) || len(log) >= len(ccel) {
			t.Fatalf("built log of %d bytes from a %d-byte table", len(log), len(ccel))
		}
		parsed, err := Parse(log)
		if err != nil {
			t.Fatal(err)
		}
		if len(parsed.Events) != len(firmware.Events)+1 {
			t.Fatalf("%d events, want %d", len(parsed.Events), len(firmware.Events)+1)
		}
		checkAAEL(t, parsed.Events[len(parsed.Events)-1], digest)
	})
	t.Run("EL_HEADER alone", func(t *testing.T) {
		if len(ELHeader) != 69 {
			t.Fatalf("EL_HEADER is %d bytes, upstream's is 69", len(ELHeader))
		}
		log, err := Build(nil, aael)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := Parse(log)
		if err != nil {
			t.Fatal(err)
		}
		if len(parsed.Events) != 1 {
			t.Fatalf("%d events, want 1", len(parsed.Events))
		}
		checkAAEL(t, parsed.Events[0], digest)
		rtmr3, _ := parsed.Replay(4, AlgSHA384)
		if want := sha384(append(make([]byte, 48), digest...)); !bytes.Equal(rtmr3, want) {
			t.Errorf("RTMR3 replay = %x, want %x", rtmr3, want)
		}
	})
	t.Run("nothing", func(t *testing.T) {
		if log, err := Build(nil, nil); log != nil || err != nil {
			t.Fatalf("Build(nil, nil) = %x, %v", log, err)
		}
	})
}

func checkAAEL(t *testing.T, ev Event, digest []byte) {
	t.Helper()
	if ev.Type != EvEventTag || ev.Index != 4 || !ev.DigestMatchesEvent || !bytes.Equal(ev.Digests[0].Value, digest) {
		t.Fatalf("AAEL event = %+v", ev)
	}
	got := roundTrip(t, ev.Details.claims())
	want := roundTrip(t, map[string]any{
		"string":       `github.com/confidential-containers PullImage {"image":"docker.io/library/busybox:latest", "digest":"sha256:00"}`,
		"unicode_name": "AAEL",
		"data": map[string]any{
			"domain": "github.com/confidential-containers", "operation": "PullImage",
			"content": map[string]any{"image": "docker.io/library/busybox:latest", "digest": "sha256:00"},
		},
	})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AAEL details = %v, want %v", got, want)
	}
}
