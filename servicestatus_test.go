package backuprestore

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/models"
)

func TestServiceStatus(t *testing.T) {
	t.Parallel()
	rig := newRig(t, rigOptions{units: 0, client: &Options{Retry: fastRetries()}})
	srv, c := rig.srv, rig.c
	st, err := c.ServiceStatus(t.Context())
	require.NoError(t, err)
	require.Equal(t, models.ServiceEnabled, st.Status)
	require.NoError(t, srv.SetServiceStatus(models.ServiceProtectionChangeLocked))
	st, err = c.ServiceStatus(t.Context())
	require.NoError(t, err)
	require.Equal(t, models.ServiceProtectionChangeLocked, st.Status)
}
