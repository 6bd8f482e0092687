package backuprestore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

// newEmulator returns an emulator holding a few units with fixed IDs, and a
// client wired to it in-process.
func newEmulator() (*fake.Server, *backuprestore.Client) {
	srv := fake.NewServer(nil)
	for _, u := range []fake.Unit{
		{Kind: models.KindSite, ID: "site-offboarding", SiteID: "contoso.sharepoint.com,1,1", SiteName: "Marketing", Status: models.StatusOffboardRequested},
		{Kind: models.KindSite, ID: "site-protected", SiteID: "contoso.sharepoint.com,2,2", SiteName: "Finance", PolicyID: "policy-1", Status: models.StatusProtected},
		{Kind: models.KindMailbox, ID: "mailbox-removed", DirectoryObjectID: "o-3", DisplayName: "Adele Vance", Status: models.StatusUnprotected},
		{Kind: models.KindDrive, ID: "drive-offboarding", DirectoryObjectID: "o-4", DisplayName: "Alex Wilber", Status: models.StatusOffboardRequested},
	} {
		if err := srv.AddUnit(u); err != nil {
			panic(err)
		}
	}
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{
		HTTPClient: &http.Client{Transport: srv.Transport()},
		BaseURL:    fake.DefaultBaseURL, // in-process: errors name the emulator
	})
	if err != nil {
		panic(err)
	}
	return srv, c
}

// A client wired to the in-process emulator: no socket, no tenant.
func ExampleNewClient() {
	srv := fake.NewServer(nil)
	srv.Seed(30)
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{
		HTTPClient: &http.Client{Transport: srv.Transport()},
		BaseURL:    fake.DefaultBaseURL, // in-process: errors name the emulator
	})
	if err != nil {
		panic(err)
	}
	page, err := c.ProtectionUnits().Get(context.Background(), &backuprestore.ListOptions{Count: true})
	if err != nil {
		panic(err)
	}
	fmt.Println("units:", *page.Count)
	// Output:
	// units: 30
}

func ExampleCancelOffboardRequestBuilder_Post() {
	_, c := newEmulator()
	unit, err := c.ProtectionUnits().ByID("site-offboarding").CancelOffboard().Post(context.Background(), nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(unit.Kind(), unit.ID, unit.SiteName, unit.Status)
	// Output:
	// site site-offboarding Marketing cancelOffboardRequested
}

func ExampleOffboardRequestBuilder_Post() {
	_, c := newEmulator()
	unit, err := c.ProtectionUnits().ByID("mailbox-removed").Offboard().Post(context.Background(), nil)
	if err != nil {
		panic(err)
	}
	_, requested := unit.OffboardRequestedAt()
	fmt.Println(unit.Kind(), unit.ID, unit.Status, unit.IsOffboarding(), requested)
	// Output:
	// mailbox mailbox-removed offboardRequested true true
}

// Errors: classify with errors.Is, read with errors.As.
func ExampleError() {
	_, c := newEmulator()
	_, err := c.ProtectionUnits().ByID("site-protected").CancelOffboard().Post(context.Background(), nil)
	fmt.Println("not allowed:", errors.Is(err, backuprestore.ErrOperationNotAllowed))
	fmt.Println("forbidden:", errors.Is(err, backuprestore.ErrForbidden))
	var e *backuprestore.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.Code)
		fmt.Println(e.Message)
		fmt.Println("has request-id:", e.RequestID != "")
	}

	_, err = c.ProtectionUnits().ByID("").Get(context.Background(), nil)
	fmt.Println("invalid ID:", errors.Is(err, backuprestore.ErrInvalidProtectionUnitID))
	// Output:
	// not allowed: true
	// forbidden: true
	// 403 OperationNotAllowed
	// Offboarding cannot be cancelled as it is not in a valid state.
	// has request-id: true
	// invalid ID: true
}

func ExampleProtectionUnitsRequestBuilder_All() {
	_, c := newEmulator()
	opts := &backuprestore.ListOptions{Filter: "status eq 'offboardRequested'"}
	for unit, err := range c.ProtectionUnits().All(context.Background(), opts) {
		if err != nil {
			panic(err)
		}
		fmt.Println(unit.Kind(), unit.ID, unit.Name())
	}
	// Output:
	// drive drive-offboarding Alex Wilber
	// site site-offboarding Marketing
}

// Type casts list one kind of unit.
func ExampleProtectionUnitsRequestBuilder_Sites() {
	_, c := newEmulator()
	for unit, err := range c.ProtectionUnits().Sites().All(context.Background(), nil) {
		if err != nil {
			panic(err)
		}
		fmt.Println(unit.Kind(), unit.ID, unit.Status)
	}
	// Output:
	// site site-offboarding offboardRequested
	// site site-protected protected
}

// A listing can stop and resume later from a saved NextLink.
func ExampleProtectionUnitsRequestBuilder_Pages() {
	srv := fake.NewServer(&fake.Options{PageSize: 2})
	for i := range 5 {
		_ = srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: fmt.Sprintf("site-%d", i), SiteID: "h,a,b", Status: models.StatusProtected, PolicyID: "p"})
	}
	c, _ := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{HTTPClient: srv.Client()})
	ctx := context.Background()

	var saved string
	for page, err := range c.ProtectionUnits().Pages(ctx, nil) {
		if err != nil {
			panic(err)
		}
		fmt.Println("page:", ids(page.Value))
		saved = page.NextLink
		break // e.g. the process stops here
	}
	for page, err := range c.ProtectionUnits().Pages(ctx, &backuprestore.ListOptions{NextLink: saved}) {
		if err != nil {
			panic(err)
		}
		fmt.Println("resumed page:", ids(page.Value))
	}
	// Output:
	// page: [site-0 site-1]
	// resumed page: [site-2 site-3]
	// resumed page: [site-4]
}

func ids(units []*models.ProtectionUnit) []string {
	out := make([]string, len(units))
	for i, u := range units {
		out[i] = u.ID
	}
	return out
}

func ExampleProtectionUnitsRequestBuilder_CancelOffboardAll() {
	srv, c := newEmulator()
	results := c.ProtectionUnits().CancelOffboardAll(context.Background(),
		[]string{"site-offboarding", "drive-offboarding", "site-protected", "site-offboarding"}, nil)
	for _, r := range results {
		if r.Err != nil {
			fmt.Println(r.ID, "failed:", errors.Is(r.Err, backuprestore.ErrOperationNotAllowed))
			continue
		}
		fmt.Println(r.ID, r.Unit.Status, "attempts:", r.Attempts)
	}
	fmt.Println("transitions of site-offboarding:", len(srv.Transitions("site-offboarding")))
	// Output:
	// site-offboarding cancelOffboardRequested attempts: 1
	// drive-offboarding cancelOffboardRequested attempts: 1
	// site-protected failed: true
	// transitions of site-offboarding: 1
}
