package backuprestore

import (
	"bytes"
	"context"
	"errors"

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
