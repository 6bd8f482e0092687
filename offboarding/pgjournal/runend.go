package pgjournal

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/m365kit/backuprestore/offboarding"
)

// endJSON is how a run's RunEnd is kept (offboarding_runs.end_info): the
// caller's time exactly, and the counts by outcome name.
type endJSON struct {
	Finished time.Time                   `json:"finished"`
	Counts   map[offboarding.Outcome]int `json:"counts,omitempty"`
}

// marshalEnd encodes end; it fails for a count keyed by an outcome that is
// not one of the constants.
func marshalEnd(end offboarding.RunEnd) ([]byte, error) {
	b, err := json.Marshal(endJSON(end))
	if err != nil {
		return nil, fmt.Errorf("pgjournal: encode the run's end: %w", err)
	}
	return b, nil
}

// unmarshalEnd reads what marshalEnd wrote; it fails on anything else.
func unmarshalEnd(b []byte) (offboarding.RunEnd, error) {
	var e endJSON
	if err := json.Unmarshal(b, &e); err != nil {
		return offboarding.RunEnd{}, fmt.Errorf("pgjournal: decode the run's end: %w", err)
	}
	return offboarding.RunEnd(e), nil
}
