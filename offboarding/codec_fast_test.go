package offboarding

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/models"
)

// seedEntries are entries as a run writes them, for the fuzz corpus and
// the benchmark.
func seedEntries() []Entry {
	at := time.Date(2026, 12, 7, 9, 1, 2, 345678900, time.UTC)
	return []Entry{
		{UnitID: "c6d7db50-0007-4450-8007-00000c8dbd37", Stage: StageOffboard, Outcome: OutcomeDone, Applied: true, Status: models.StatusOffboardRequested,
			Kind: models.KindMailbox, PolicyID: "78dde6c4-0001", PolicyName: "Exchange — all staff", Name: "Adele Vance <adele@contoso.com>",
			RequestID: "req-1", Sent: at.Add(-time.Second), Operator: "admin@contoso.com", At: at},
		{UnitID: "u\"2\n", Stage: StageRemove, Intent: true, Kind: models.KindSite, At: at.In(time.FixedZone("x", 3600))},
		{UnitID: "f", Stage: StageRead, Outcome: OutcomeFailed, Reason: ReasonUnreadable, Detail: "d ✓",
			Err: RecordError(&backuprestore.Error{StatusCode: 404, Code: "ProtectionUnitNotFound", Message: "gone", RequestID: "r"})},
		{UnitID: "minimal", Stage: StageWaitCancelled},
	}
}

// DecodeEntry decodes exactly as encoding/json does: the same entry, or an
// error where it fails (FuzzDecodeEntry's seeds run in every go test).
func FuzzDecodeEntry(f *testing.F) {
	for _, e := range seedEntries() {
		b, err := AppendEntry(nil, e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"u":"x","s":"read","at":"2026-12-07T00:00:00Z"}`,
		`{"U":"x","s":"read"}`, `{"u":"x","s":"read","u":"y"}`, `{"u":null,"s":"read"}`,
		`{"u":"x","s":"read","o":null}`, `{"u":"x","s":"read","o":"done","o":null}`,
		`{"u":"x","s":"read","e":{"Message":"a","Code":"c"},"e":{"Message":"b"}}`,
		`{"u":"x","s":"read","i":1}`, `{"u":"x","s":"read","zz":[1,{"a":null}]}`, `{"u":"x","s":"read"} `,
		`{"u":"x","s":"read"}x`, "\xef\xbb\xbf{\"u\":\"x\",\"s\":\"read\"}", `{"\u0075":"x","s":"read"}`,
		"{\"u\":\"bad\xffutf8\",\"s\":\"read\"}", `{"u":"x","s":"teleport"}`, `{"u":"x","ſ":"read"}`,
		`{"u":"x","s":"read","at":"2026-13-07T00:00:00Z"}`, `{"u":"x","s":"read","sent":"2026-12-07T00:00:00+01:00"}`,
		`[]`, `null`, ``, `{"u":"x","s":"read","k":"site"}`, `{"u":"x","s":"read","k":"printer"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, wantErr := decodeEntryStd(b)
		got, gotErr := DecodeEntry(b)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("%q: encoding/json says %v, DecodeEntry %v", b, wantErr, gotErr)
		}
		if wantErr != nil {
			if wantErr.Error() != gotErr.Error() {
				t.Fatalf("%q: errors differ: %v, %v", b, wantErr, gotErr)
			}
			return
		}
		if !want.At.Equal(got.At) || !want.Sent.Equal(got.Sent) || want.At.Location().String() != got.At.Location().String() {
			t.Fatalf("%q: times differ: %v %v, %v %v", b, want.At, want.Sent, got.At, got.Sent)
		}
		want.At, got.At, want.Sent, got.Sent = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if (want.Err == nil) != (got.Err == nil) || (want.Err != nil && !equalRecords(*want.Err, *got.Err)) {
			t.Fatalf("%q: error records differ: %+v, %+v", b, want.Err, got.Err)
		}
		want.Err, got.Err = nil, nil
		if want != got {
			t.Fatalf("%q: entries differ:\n%+v\n%+v", b, want, got)
		}
	})
}

// Every key of entryJSON is one decodeEntryFast knows: a key it did not
// would be skipped as unknown, and the field lost.
func TestEntryKeys(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[entryJSON]()
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if !slices.Contains(entryKeys, key) {
			t.Errorf("entryJSON's key %q (field %s) is not in entryKeys", key, typ.Field(i).Name)
		}
	}
	if len(entryKeys) != typ.NumField() {
		t.Errorf("entryKeys has %d keys, entryJSON %d fields", len(entryKeys), typ.NumField())
	}
}

func equalRecords(a, b ErrorRecord) bool {
	if len(a.Matches) != len(b.Matches) {
		return false
	}
	for i := range a.Matches {
		if a.Matches[i] != b.Matches[i] {
			return false
		}
	}
	a.Matches, b.Matches = nil, nil
	return a.Message == b.Message && a.StatusCode == b.StatusCode && a.Code == b.Code && a.RequestID == b.RequestID && a.ItemError == b.ItemError
}

func BenchmarkDecodeEntry(b *testing.B) {
	raw, err := AppendEntry(nil, seedEntries()[0])
	if err != nil {
		b.Fatal(err)
	}
	for name, decode := range map[string]func([]byte) (Entry, error){"fast": DecodeEntry, "encoding-json": decodeEntryStd} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decode(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
