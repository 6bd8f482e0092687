package cli

import (
	"context"
	"sync"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
)

// idChecker is a client used only to build (never send) a request, so that
// the SDK itself judges an ID: its rules stay in one place.
var idChecker = sync.OnceValues(func() (*backuprestore.Client, error) {
	return backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{BaseURL: fake.DefaultBaseURL})
})

// CheckID returns nil when the SDK accepts id as a protection-unit ID, and
// otherwise its error, which matches backuprestore.ErrInvalidProtectionUnitID
// and says why (empty, all white space, "." or "..", a control character,
// not UTF-8, longer than 1,024 bytes). Nothing is sent: it only builds the
// request the SDK would send.
func CheckID(id string) error {
	c, err := idChecker()
	if err != nil {
		return err
	}
	_, err = c.ProtectionUnits().ByID(id).ToGetRequestInformation(context.Background(), nil)
	return err
}
