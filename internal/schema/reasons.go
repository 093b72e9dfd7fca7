package schema

// Reason codes of quarantined rows. They are part of the lake's contract:
// users filter on them, so existing codes never change meaning.
const (
	ReasonBadValue     = "bad_value"     // amount missing, not a number, or does not fit DECIMAL(18,2)
	ReasonBadHSCode    = "bad_hs_code"   // commodity code missing or not 2–10 digits
	ReasonBadDate      = "bad_date"      // reporting period missing or unreadable
	ReasonBadCountry   = "bad_country"   // partner or reporter code unknown
	ReasonBadQuantity  = "bad_quantity"  // quantity present but not a number
	ReasonShortRow     = "short_row"     // fewer cells than the header
	ReasonWrongPeriod  = "wrong_period"  // row's period differs from the requested one
	ReasonBadWeight    = "bad_weight"    // weight present but not a number
	ReasonMissingField = "missing_field" // a required cell is empty
	ReasonDuplicateKey = "duplicate_key" // the same key (period, partner, code, ...) twice in one input; never summed
)
