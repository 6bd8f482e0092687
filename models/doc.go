// Package models holds the Backup Storage types returned by the backuprestore
// client:
//
//   - [ProtectionUnit]: one struct for the abstract protectionUnitBase and its
//     site, drive and mailbox types, with its parts ([IdentitySet],
//     [PublicError], [ProtectionSources]) and a list page
//     ([ProtectionUnitPage]). Its lifecycle helpers name what they check:
//     [ProtectionUnit.OffboardRequestedAt] (when offboarding was ever
//     requested, which stays set after it completed or was cancelled),
//     [ProtectionUnit.IsOffboarding], and [ProtectionUnit.CanOffboard] /
//     [ProtectionUnit.CanCancelOffboard] (the documented preconditions; the
//     service stays the authority and may still answer 403).
//   - [ProtectionPolicy]: one struct for protectionPolicyBase and its
//     SharePoint, OneDrive and Exchange types ([ProtectionPolicy.Kind]), with
//     [RetentionSetting], [ArtifactCount] and a list page
//     ([ProtectionPolicyPage]). Retention text is kept verbatim;
//     [ParseISODuration] and [ParseRepeatingInterval] read it, with calendar
//     arithmetic for years and months ([ISODuration.AddTo]).
//   - [BackupRestoreRoot] and [ServiceStatus]: the body of
//     GET /solutions/backupRestore, the tenant gate of every change.
//   - [DataModificationException]: why one item of a policy PATCH
//     ("…ProtectionUnits@delta") failed, read from the item's annotations
//     with [ProtectionUnit.DataModificationError] and
//     [ProtectionUnit.ContentID].
//
// The enum vocabularies ([ProtectionUnitStatus], [UnitKind], [PolicyKind],
// [ProtectionPolicyStatus], [BackupServiceStatus], [DisableReason],
// [BackupServiceConsumer]) are string types (or, for kinds, small ints)
// shared by the SDK, the emulator and the CLI; unknown wire values are kept
// verbatim. Lists of known members are functions ([KnownStatuses],
// [KnownPolicyStatuses], [KnownServiceStatuses], [KnownDisableReasons],
// [KnownBackupServiceConsumers], [PolicyKinds]) returning a new slice on
// every call. Every member of Microsoft's v1.0 schema has a constant
// (internal/conformance checks it against the published metadata). Where
// the serviceStatus page and the schema disagree, there is a constant for
// both: disableReason controllerServiceAppDeleted and backupServiceConsumer
// none are the page's only ([DisableReasonControllerServiceAppDeleted],
// [ConsumerNone]). The emulator (package fake) writes the schema's members
// by default and the page's only when a test sets them, as clients
// generated from the schema cannot parse them.
//
// A unit's kind comes from @odata.type; without it, from the typed
// collection it was read from ([ProtectionUnit.CollectionKind], set with
// [ProtectionUnitPage.SetCollectionKind] by the code that reads a typed
// collection, as the backuprestore client does), then from its properties
// (siteId makes a site unit; a drive and a mailbox unit have the same
// properties).
//
// Models are plain structs with value fields. Decoding is lossless: every
// unknown JSON property is kept in AdditionalData, an unknown enum string is
// kept verbatim, and a malformed timestamp (or any value of the wrong JSON
// type) leaves its field zero and keeps the raw value in AdditionalData under
// its own key, instead of failing the whole model. Only a body that is not
// valid JSON, or not an object where one is required, fails, with
// *[DecodeError].
//
// Every model implements Kiota's serialization.Parsable (and
// AdditionalDataHolder), so Kiota-based code (msgraph-sdk-go users among
// them) can send, parse and serialize it with any Kiota parse node or
// serialization writer, with the same results as the fast path. The client
// itself decodes with the models' UnmarshalJSON methods, single-pass decoders
// several times faster than encoding/json into plain structs and than
// Kiota's JSON parse node.
package models
