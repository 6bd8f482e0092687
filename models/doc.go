// Package models holds the Backup Storage protection-unit types returned by
// the backuprestore client: [ProtectionUnit] (one struct for the abstract
// protectionUnitBase and its site, drive and mailbox types), its parts
// ([IdentitySet], [PublicError], [ProtectionSources]) and a page of a list
// ([ProtectionUnitPage]).
//
// Models are plain structs with value fields. Decoding is lossless: every
// unknown JSON property is kept in AdditionalData, an unknown enum string is
// kept verbatim, and a malformed timestamp (or any value of the wrong JSON
// type) leaves its field zero and keeps the raw value in AdditionalData under
// its own key, instead of failing the whole unit.
//
// Every model implements Kiota's serialization.Parsable (and
// AdditionalDataHolder), so Kiota-based code can send, parse and serialize it
// with any Kiota parse node or serialization writer. The client itself
// decodes with [ProtectionUnit.UnmarshalJSON], a single-pass decoder that is
// several times faster than Kiota's JSON parse node.
package models
