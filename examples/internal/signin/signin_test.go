package signin

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGraph(t *testing.T) {
	cases := []struct {
		name             string
		envTenant, envID string
		args             []string
		wantGraph        bool
		wantErr          error
	}{
		{"nothing: emulator", "", "", nil, false, nil},
		{"both flags", "", "", []string{"-tenant", "t", "-client-id", "c"}, true, nil},
		{"tenant flag alone", "", "", []string{"-tenant", "t"}, false, ErrIncomplete},
		{"client-id flag alone", "", "", []string{"-client-id", "c"}, false, ErrIncomplete},
		{"tenant flag, client id from env", "", "c", []string{"-tenant", "t"}, true, nil},
		{"both env", "t", "c", nil, true, nil},
		{"tenant env alone: emulator", "t", "", nil, false, nil},
		{"client id env alone: emulator", "", "c", nil, false, nil},
		{"-emulator wins over env", "t", "c", []string{"-emulator"}, false, nil},
		{"-emulator wins over flags", "", "", []string{"-emulator", "-tenant", "t"}, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvTenant, tc.envTenant)
			t.Setenv(EnvClientID, tc.envID)
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			f := Register(fs)
			require.NoError(t, fs.Parse(tc.args))
			graph, err := f.Graph()
			require.ErrorIs(t, err, tc.wantErr)
			require.Equal(t, tc.wantGraph, graph)
		})
	}
}

func TestCredential(t *testing.T) {
	t.Setenv(EnvTenant, "")
	t.Setenv(EnvClientID, "")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	f := Register(fs)
	require.NoError(t, fs.Parse([]string{"-tenant", "00000000-0000-0000-0000-000000000001"}))
	_, err := f.Credential(io.Discard)
	require.ErrorIs(t, err, ErrIncomplete)

	require.NoError(t, fs.Parse([]string{"-client-id", "00000000-0000-0000-0000-000000000002"}))
	cred, err := f.Credential(io.Discard)
	require.NoError(t, err)
	require.NotNil(t, cred)
	require.Equal(t, "00000000-0000-0000-0000-000000000001", f.Tenant())
}
