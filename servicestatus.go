package backuprestore

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/m365kit/backuprestore/models"
)

// pathBackupRestore is the backupRestoreRoot, which carries serviceStatus.
const pathBackupRestore = "/solutions/backupRestore"

// ServiceStatus reads the tenant's Microsoft 365 Backup status (GET
// /solutions/backupRestore, its serviceStatus): the tenant gate of every
// protection change. Only models.ServiceEnabled allows units to be removed
// from (or added to) policies; the status is kept verbatim when unknown.
// The service documents BackupRestore-Control.Read.All for this read, a
// permission apart from the Configuration ones the other calls need.
//
// It fails with *Error for a non-2xx response (errors.Is(err,
// ErrForbidden) without that permission), with ErrUnexpectedResponse for a
// 2xx without a serviceStatus, otherwise with the transport or context
// error as its cause (ErrNotSent when nothing reached the wire); a body
// cut short or stalled is requested again within the retry budget.
func (c *Client) ServiceStatus(ctx context.Context) (*models.ServiceStatus, error) {
	base, err := c.baseURL()
	if err != nil {
		return nil, err
	}
	ri := newRequestInformation(abs.GET, "{+baseurl}"+pathBackupRestore, map[string]string{"baseurl": base.String()}, nil, nil)
	u := *base
	u.Path = base.Path + pathBackupRestore
	u.RawPath = ""
	k := &call[*models.ServiceStatus]{
		c:       c,
		op:      "get the service status",
		decode:  decodeServiceStatus,
		factory: models.CreateBackupRestoreRootFromDiscriminatorValue,
		fromParsable: func(p serialization.Parsable) (*models.ServiceStatus, bool) {
			r, ok := p.(*models.BackupRestoreRoot)
			if !ok || r == nil || r.ServiceStatus == nil {
				return nil, false
			}
			return r.ServiceStatus, true
		},
	}
	return k.send(ctx, withURI(ri, &u))
}

func decodeServiceStatus(body []byte) (*models.ServiceStatus, error) {
	if string(bytes.TrimSpace(body)) == "null" {
		return nil, errors.New("null, want the backupRestoreRoot")
	}
	var r models.BackupRestoreRoot
	if err := r.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	if r.ServiceStatus == nil {
		return nil, errors.New("no serviceStatus in the backupRestoreRoot")
	}
	return r.ServiceStatus, nil
}

// allowsProtectionChanges reports whether the tenant's status lets units
// be removed from policies.
func allowsProtectionChanges(s *models.ServiceStatus) bool {
	return s != nil && s.Status == models.ServiceEnabled
}

// gateTTL is how long a client trusts a service status it read before a
// policy change (RemoveUnits, AddUnits): one read per client and minute.
const gateTTL = time.Minute

// gateCache is the last service status a client read for its gate.
type gateCache struct {
	mu     sync.Mutex
	status *models.ServiceStatus
	at     time.Time
}

// gate reads the tenant's service status before a policy change and fails
// with ErrServiceLocked when it does not allow protection changes (an
// enabled status is trusted for a minute per client; any other is read
// again at the next change, so a tenant unlocked is seen at once): the service's answer to a PATCH on a
// locked tenant is undocumented, so the client does not depend on it. A
// status that cannot be read (the caller lacks
// BackupRestore-Control.Read.All, say) does not stop the change: the
// PATCH's own answer then stands. Only a context that ends stops it.
func (c *Client) gate(ctx context.Context) error {
	c.gateCache.mu.Lock()
	s, at := c.gateCache.status, c.gateCache.at
	c.gateCache.mu.Unlock()
	if s == nil || time.Since(at) > gateTTL || !allowsProtectionChanges(s) {
		got, err := c.ServiceStatus(withoutCapture(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return nil
		}
		c.gateCache.mu.Lock()
		c.gateCache.status, c.gateCache.at = got, time.Now()
		c.gateCache.mu.Unlock()
		s = got
	}
	if allowsProtectionChanges(s) {
		return nil
	}
	return lockedError(s)
}

// lockedError is ErrServiceLocked for a status that does not allow
// protection changes, naming it.
func lockedError(s *models.ServiceStatus) error {
	return wrapErr("the tenant's service status is "+strconv.Quote(string(s.Status))+", which does not allow protection changes", ErrServiceLocked)
}
