package backuprestore

// Version is the SDK's version, sent in the User-Agent header as
// "backuprestore-go/<Version>".
const Version = "0.1.0"

// userAgentProduct is the product name in the User-Agent header.
const userAgentProduct = "backuprestore-go"
