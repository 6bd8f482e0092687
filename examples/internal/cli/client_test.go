package cli

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
)

// The emulator client is served in process, keeps the caller's other
// options, and errors name the emulator's host.
func TestNewEmulatorClient(t *testing.T) {
	_, err := NewEmulatorClient(nil, nil)
	require.Error(t, err)

	srv := fake.NewServer(nil)
	u := srv.Seed(1)[0]
	c, err := NewEmulatorClient(srv, &backuprestore.Options{BaseURL: "https://graph.microsoft.com/v1.0", Retry: backuprestore.RetryOptions{MaxRetries: backuprestore.NoRetries}})
	require.NoError(t, err)
	got, err := c.ProtectionUnits().ByID(u.ID).Get(t.Context(), nil)
	require.NoError(t, err)
	require.Equal(t, u.ID, got.ID)
	_, err = c.ProtectionUnits().ByID("missing").Get(t.Context(), nil)
	require.ErrorIs(t, err, backuprestore.ErrNotFound)
	require.ErrorContains(t, err, "graph.emulator.invalid", "BaseURL is the emulator's, whatever opts said")

	_, err = NewEmulatorClient(srv, &backuprestore.Options{MaxResponseBytes: -1})
	require.ErrorIs(t, err, backuprestore.ErrInvalidOptions)
}
