package middleware

import abs "github.com/microsoft/kiota-abstractions-go"

// CreateOnce is a Kiota request option marking a request that creates an
// object (a policy, a rule, a job): the retry middleware does not resend it
// after a 503, which may come from a gateway after the service created the
// object. The caller reads back before sending it again.
type CreateOnce struct{}

var createOnceKey = abs.RequestOptionKey{Key: "backuprestore.CreateOnce"}

// GetKey implements abs.RequestOption.
func (*CreateOnce) GetKey() abs.RequestOptionKey { return createOnceKey }
