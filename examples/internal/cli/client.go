package cli

import (
	"errors"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
)

// NewEmulatorClient returns a client for srv, served in process: its
// transport is srv.Client()'s, its BaseURL fake.DefaultBaseURL (a host
// that never resolves, so nothing can reach a network), its credential a
// fake delegated one with BackupRestore-Configuration.ReadWrite.All. opts
// may add other options (Retry, …); its HTTPClient and BaseURL are
// replaced. It fails when srv is nil, or as backuprestore.NewClient does
// for opts.
func NewEmulatorClient(srv *fake.Server, opts *backuprestore.Options) (*backuprestore.Client, error) {
	if srv == nil {
		return nil, errors.New("cli: NewEmulatorClient: nil server")
	}
	var o backuprestore.Options
	if opts != nil {
		o = *opts
	}
	o.HTTPClient = srv.Client()
	o.BaseURL = fake.DefaultBaseURL
	return backuprestore.NewClient(fake.NewDelegatedCredential(), &o)
}

// NewGraphClient returns a client for Microsoft Graph that signs in with
// t's credential (the sign-in itself happens at the first call), with opts
// as backuprestore.NewClient takes them (nil: the defaults). It fails when
// t is not a Graph target, or as backuprestore.NewClient does for opts.
func (t Target) NewGraphClient(opts *backuprestore.Options) (*backuprestore.Client, error) {
	if !t.Graph || t.cred == nil {
		return nil, errors.New("cli: NewGraphClient: the target is the embedded emulator")
	}
	return backuprestore.NewClient(t.cred, opts)
}
