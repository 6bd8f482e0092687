package pgjournal

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// Options configure a Journal (nil or zero fields: the documented
// defaults). Open, Migrate and Orphans fail with ErrInvalidOptions when a
// field is out of range.
type Options struct {
	// Schema is the PostgreSQL schema that holds the journal's tables
	// (offboarding_schema, offboarding_journals, offboarding_runs,
	// offboarding_entries); default "public". It is created if missing.
	// At most 63 bytes, no NUL. The database user needs CREATE on the
	// schema (on the database, to create the schema) until the tables are
	// migrated, then SELECT, INSERT and UPDATE on them.
	Schema string
	// Owner names this worker in the leases it takes (shown by Orphans and
	// Holder, and in ErrLeaseLost and ErrLeaseHeld); default
	// "HOST/PID/RANDOM". It is for people: fencing rests on each lease's
	// epoch, so two Journals with the same Owner still exclude each other.
	// At most 256 bytes, no NUL.
	Owner string
	// LeaseTTL is how long a lease lives without renewal; default 30 s,
	// at least 100 ms. While a run is leased, a goroutine renews it every
	// LeaseTTL/4, so the lease lives as long as the process does, however
	// long the run waits between records. A worker that dies leaves it to
	// expire; another can Acquire the run LeaseTTL after the last renewal.
	// The owner itself stops writing 3/4 LeaseTTL after its last
	// successful renewal began (by its own clock), a margin of LeaseTTL/4
	// before anyone else can take the run.
	LeaseTTL time.Duration
	// Logger receives renewal failures (the lease is retried until it is
	// lost); default: discard.
	Logger *slog.Logger
}

// The defaults and limits of Options.
const (
	DefaultLeaseTTL = 30 * time.Second
	MinLeaseTTL     = 100 * time.Millisecond
	maxNameBytes    = 256
	maxSchemaBytes  = 63
)

// settings are Options with the defaults applied, validated.
type settings struct {
	schema string // quoted identifier
	raw    string // the schema's name
	owner  string
	ttl    time.Duration
	log    *slog.Logger
}

func resolve(o *Options) (settings, error) {
	var s settings
	if o == nil {
		o = &Options{}
	}
	s.raw = o.Schema
	if s.raw == "" {
		s.raw = "public"
	}
	if len(s.raw) > maxSchemaBytes || !utf8.ValidString(s.raw) || strings.ContainsRune(s.raw, 0) {
		return s, fmt.Errorf("%w: schema %q: at most %d bytes of UTF-8, no NUL", ErrInvalidOptions, s.raw, maxSchemaBytes)
	}
	s.schema = quoteIdent(s.raw)
	s.owner = o.Owner
	if s.owner == "" {
		s.owner = defaultOwner()
	}
	if len(s.owner) > maxNameBytes || !utf8.ValidString(s.owner) || strings.ContainsRune(s.owner, 0) {
		return s, fmt.Errorf("%w: owner %q: at most %d bytes of UTF-8, no NUL", ErrInvalidOptions, s.owner, maxNameBytes)
	}
	s.ttl = o.LeaseTTL
	if s.ttl == 0 {
		s.ttl = DefaultLeaseTTL
	}
	if s.ttl < MinLeaseTTL {
		return s, fmt.Errorf("%w: LeaseTTL %v is under %v", ErrInvalidOptions, s.ttl, MinLeaseTTL)
	}
	s.log = o.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

func validName(name string) error {
	if name == "" || len(name) > maxNameBytes || !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("%w %q: 1 to %d bytes of UTF-8, no NUL", ErrInvalidName, name, maxNameBytes)
	}
	return nil
}

func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
