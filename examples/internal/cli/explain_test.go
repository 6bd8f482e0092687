package cli

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore"
)

func TestExplain(t *testing.T) {
	refused := &backuprestore.Error{StatusCode: 403, Code: "OperationNotAllowed", Message: "not in a valid state", RequestID: "r-1"}
	cases := []struct {
		name string
		err  error
		want string // prefix
	}{
		{"the service's answer", fmt.Errorf("cancelOffboard u: %w", refused), "the service answered: cancelOffboard u: backuprestore: 403 OperationNotAllowed: not in a valid state (request-id r-1)"},
		// An outcome in doubt may wrap the service's answer to a resend:
		// it is still in doubt, not refused.
		{"in doubt, wrapping a 403", fmt.Errorf("%w: %w", backuprestore.ErrOutcomeUnknown, refused), "outcome unknown (the request was sent"},
		{"not sent", fmt.Errorf("%w: %w", backuprestore.ErrNotSent, context.Canceled), "not sent (nothing reached the service"},
		{"anything else", errors.New("no unit"), "no unit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Explain(tc.err)
			require.Truef(t, len(got) >= len(tc.want) && got[:len(tc.want)] == tc.want, "got %q", got)
			require.Contains(t, got, tc.err.Error(), "the error itself is kept")
		})
	}
}
