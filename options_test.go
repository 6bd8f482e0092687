package backuprestore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
)

// One rule for every option: zero is the default, a documented "off"
// value is honoured, anything else out of range is rejected with
// ErrInvalidOptions, never silently replaced.
func TestOptionsOutOfRangeAreRejected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts Options
		ok   bool
	}{
		{"defaults", Options{}, true},
		{"NoRetries", Options{Retry: RetryOptions{MaxRetries: NoRetries}}, true},
		{"NoStallTimeout", Options{Retry: RetryOptions{StallTimeout: NoStallTimeout}}, true},
		{"MaxRetries -2", Options{Retry: RetryOptions{MaxRetries: -2}}, false},
		{"MaxRetries 101", Options{Retry: RetryOptions{MaxRetries: 101}}, false},
		{"negative MaxRetryDelay", Options{Retry: RetryOptions{MaxRetryDelay: -time.Second}}, false},
		{"negative BaseDelay", Options{Retry: RetryOptions{BaseDelay: -1}}, false},
		{"negative StallTimeout", Options{Retry: RetryOptions{StallTimeout: -time.Second}}, false},
		{"negative MaxResponseBytes", Options{MaxResponseBytes: -1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClient(fake.NewDelegatedCredential(), &tc.opts)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidOptions)
		})
	}

	rig := newRig(t, rigOptions{units: 3})
	srv, c, units := rig.srv, rig.c, rig.units
	for _, bo := range []BulkOptions{{BatchSize: 50}, {BatchSize: -1}, {MaxConcurrency: -4}, {MaxConcurrency: 65}, {MaxAttempts: 101}} {
		res := c.ProtectionUnits().CancelOffboardAll(t.Context(), []string{units[0].ID, units[1].ID}, &bo)
		require.Len(t, res, 2)
		for _, r := range res {
			require.ErrorIs(t, r.Err, ErrInvalidOptions, "%+v", bo)
			require.ErrorIs(t, r.Err, ErrNotSent)
		}
	}
	require.Empty(t, srv.Requests(), "invalid options send nothing")
	for _, top := range []int{-1, 1000} {
		_, err := c.ProtectionUnits().Get(t.Context(), &ListOptions{Top: top})
		require.ErrorIs(t, err, ErrInvalidOptions)
	}
	n := 0
	for _, err := range c.ProtectionUnits().All(t.Context(), &ListOptions{Top: 2}) { // a plain int compiles
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 3, n)
}
