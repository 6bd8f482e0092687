package offboarding

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/m365kit/backuprestore/models"
)

// The journals' one encoding of entries and run descriptions: compact JSON
// with short keys, so that a file journal and a database journal read each
// other's records and a record written by an older version still loads.
// Unknown keys are ignored; a stage, outcome or kind this version does not
// know is an error (the run could not be replayed truthfully).

type entryJSON struct {
	U   string       `json:"u"`
	S   Stage        `json:"s"`
	I   bool         `json:"i,omitempty"`
	O   *Outcome     `json:"o,omitempty"`
	R   Reason       `json:"r,omitempty"`
	D   string       `json:"d,omitempty"`
	E   *ErrorRecord `json:"e,omitempty"`
	A   bool         `json:"a,omitempty"`
	St  string       `json:"st,omitempty"`
	K   string       `json:"k,omitempty"`
	P   string       `json:"p,omitempty"`
	PN  string       `json:"pn,omitempty"`
	N   string       `json:"n,omitempty"`
	Req string       `json:"req,omitempty"`
	Op  string       `json:"op,omitempty"`
	Snt *time.Time   `json:"sent,omitempty"`
	At  time.Time    `json:"at"`
}

// AppendEntry appends e's encoding (one JSON object, no newline) to dst.
// It fails only for a Stage or Outcome that is not one of the constants.
func AppendEntry(dst []byte, e Entry) ([]byte, error) {
	j := entryJSON{U: e.UnitID, S: e.Stage, I: e.Intent, R: e.Reason, D: e.Detail, E: e.Err, A: e.Applied,
		St: string(e.Status), P: e.PolicyID, PN: e.PolicyName, N: e.Name, Req: e.RequestID, Op: e.Operator, At: e.At}
	if !e.Intent {
		o := e.Outcome
		j.O = &o
	}
	if e.Kind != models.KindUnknown {
		j.K = e.Kind.String()
	}
	if !e.Sent.IsZero() {
		t := e.Sent
		j.Snt = &t
	}
	b, err := json.Marshal(j)
	if err != nil {
		return dst, fmt.Errorf("offboarding: encode the entry of unit %q: %w", e.UnitID, err)
	}
	return append(dst, b...), nil
}

// DecodeEntry reads an entry AppendEntry wrote. It fails on anything else:
// text that is not one JSON object, a missing unit ID or stage, or a stage,
// outcome or kind this version does not know.
//
// It decodes as encoding/json does (FuzzDecodeEntry holds it to that), but
// an entry as AppendEntry writes it takes a single pass of internal/jsonlex
// (see decodeEntryFast): loading a run of 100,000 units is ~600,000
// entries, and encoding/json's reflection made that most of a resume.
func DecodeEntry(b []byte) (Entry, error) {
	j, ok := decodeEntryFast(b)
	if !ok {
		j = entryJSON{}
		if err := json.Unmarshal(b, &j); err != nil {
			return Entry{}, fmt.Errorf("offboarding: decode a journal entry: %w", err)
		}
	}
	return entryFromJSON(j)
}

// decodeEntryStd is DecodeEntry through encoding/json alone (the fuzz
// test's oracle).
func decodeEntryStd(b []byte) (Entry, error) {
	var j entryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return Entry{}, fmt.Errorf("offboarding: decode a journal entry: %w", err)
	}
	return entryFromJSON(j)
}

// entryFromJSON checks a decoded entry and makes it an Entry.
func entryFromJSON(j entryJSON) (Entry, error) {
	if j.U == "" || j.S == 0 {
		return Entry{}, fmt.Errorf("offboarding: decode a journal entry: no unit ID or stage")
	}
	e := Entry{UnitID: j.U, Stage: j.S, Intent: j.I, Reason: j.R, Detail: j.D, Err: j.E, Applied: j.A,
		Status: models.ProtectionUnitStatus(j.St), PolicyID: j.P, PolicyName: j.PN, Name: j.N, RequestID: j.Req, Operator: j.Op, At: j.At}
	if j.O != nil {
		e.Outcome = *j.O
	}
	if j.Snt != nil {
		e.Sent = *j.Snt
	}
	k, err := parseKind(j.K)
	if err != nil {
		return Entry{}, err
	}
	e.Kind = k
	return e, nil
}

func parseKind(s string) (models.UnitKind, error) {
	for _, k := range []models.UnitKind{models.KindUnknown, models.KindSite, models.KindDrive, models.KindMailbox} {
		if s == k.String() || (s == "" && k == models.KindUnknown) {
			return k, nil
		}
	}
	return models.KindUnknown, fmt.Errorf("offboarding: decode a journal entry: %q is not a unit kind", s)
}

type runInfoJSON struct {
	ID            string    `json:"id"`
	Action        Action    `json:"action"`
	IDs           []string  `json:"ids"`
	Started       time.Time `json:"started"`
	WaitCancelled bool      `json:"waitCancelled,omitempty"`
	Policy        string    `json:"policy,omitempty"`
	Operator      string    `json:"operator,omitempty"`
	Host          string    `json:"host,omitempty"`
	CommandLine   string    `json:"commandLine,omitempty"`
	Source        string    `json:"source,omitempty"`
	Endpoint      string    `json:"endpoint,omitempty"`
}

// MarshalRunInfo encodes info as JSON (the journals' encoding); it does not
// fail for any RunInfo.
func MarshalRunInfo(info RunInfo) []byte {
	b, _ := json.Marshal(runInfoJSON(info)) // strings, a bool and a time: cannot fail
	return b
}

// UnmarshalRunInfo reads what MarshalRunInfo wrote; it fails on anything
// else, and on an action this version does not know.
func UnmarshalRunInfo(b []byte) (RunInfo, error) {
	var j runInfoJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return RunInfo{}, fmt.Errorf("offboarding: decode a run's description: %w", err)
	}
	if j.Action != ActionOffboard && j.Action != ActionCancelOffboard && j.Action != ActionOnboard {
		return RunInfo{}, fmt.Errorf("offboarding: decode a run's description: %q is not an action", j.Action)
	}
	return RunInfo(j), nil
}
