package models

// Identity is a Graph identity (an open type): an application, device or
// user. Email is not declared by Graph's identity type but appears in the
// Backup Storage examples, so it gets a field; any other property is kept in
// AdditionalData.
type Identity struct {
	ID             string
	DisplayName    string
	Email          string
	AdditionalData map[string]any
}

// IdentitySet names who did something: the application, device and user
// involved. Absent members are nil.
type IdentitySet struct {
	Application    *Identity
	Device         *Identity
	User           *Identity
	AdditionalData map[string]any
}
