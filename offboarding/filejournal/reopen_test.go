package filejournal_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// reopening is a journal that closes and reopens its file before every
// call, so that the conformance suite checks what survives in the file,
// not what a Journal remembers. Reads go through a read-only journal when
// readOnly is set (the writer staying open), as status does beside a run.
type reopening struct {
	t        *testing.T
	path     string
	readOnly bool
	mu       sync.Mutex
	j        *filejournal.Journal
}

func newReopening(t *testing.T, readOnly bool) *reopening {
	r := &reopening{t: t, path: filepath.Join(t.TempDir(), "journal"), readOnly: readOnly}
	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.j != nil {
			require.NoError(t, r.j.Close())
		}
	})
	return r
}

// writer returns the journal reopened for writing. Concurrent callers
// (ConcurrentRecord) share one opening, so that they still coalesce.
func (r *reopening) writer(reopen bool) *filejournal.Journal {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.j != nil && !reopen {
		return r.j
	}
	if r.j != nil {
		require.NoError(r.t, r.j.Close())
	}
	j, err := filejournal.Open(r.path, nil)
	require.NoError(r.t, err)
	r.j = j
	return j
}

// reader returns a journal to read from: a read-only one beside the
// writer, or the writer reopened.
func (r *reopening) reader() interface {
	offboarding.Journal
	offboarding.History
} {
	if !r.readOnly {
		return r.writer(true)
	}
	r.writer(false) // the writer holds the lock meanwhile
	j, err := filejournal.OpenReadOnly(r.path)
	require.NoError(r.t, err)
	return j
}

func (r *reopening) Start(ctx context.Context, info offboarding.RunInfo) error {
	return r.writer(true).Start(ctx, info)
}

func (r *reopening) Record(ctx context.Context, e ...offboarding.Entry) error {
	return r.writer(false).Record(ctx, e...)
}

func (r *reopening) Finish(ctx context.Context, end offboarding.RunEnd) error {
	return r.writer(true).Finish(ctx, end)
}

func (r *reopening) Load(ctx context.Context) (offboarding.RunInfo, []offboarding.Entry, error) {
	return r.reader().Load(ctx)
}

func (r *reopening) Runs(ctx context.Context) ([]offboarding.RunSummary, error) {
	return r.reader().Runs(ctx)
}

func (r *reopening) LoadRun(ctx context.Context, id string) (offboarding.RunInfo, []offboarding.Entry, error) {
	return r.reader().LoadRun(ctx, id)
}

// The suite passes when every call works on the file as another process
// would find it: reopened for writing, or read beside the writer.
func TestConformanceReopened(t *testing.T) {
	t.Parallel()
	for name, readOnly := range map[string]bool{"reopened": false, "readOnly": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			journaltest.Run(t, func(t *testing.T) offboarding.Journal { return newReopening(t, readOnly) })
		})
	}
}
