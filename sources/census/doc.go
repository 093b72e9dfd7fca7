// Package census reads the U.S. Census Bureau international trade API
// (timeseries/intltrade/{exports,imports}/hs): live, one request per month
// and partner (or one for every partner), or from saved responses dropped
// in an inbox.
//
// A job covers one Schedule C partner, a list, or all of them; FileGroup
// names its file in each month partition after them, so jobs of other
// partners keep theirs beside it. Rows of the API's country groupings
// (GroupCode) and of partners the job does not cover are dropped and
// counted, never landed. Exports carry ALL_VAL_MO; imports GEN_VAL_MO
// (general imports, value_usd) and CON_VAL_MO (imports for consumption,
// consumption_value_usd), both at customs value.
//
// A response is a JSON array of arrays of strings; row 0 is the header and
// predicate variables (time, CTY_CODE, COMM_LVL) come back as trailing
// columns. Parse reads a saved or fetched response as a stream, one record
// at a time, in memory bounded by MaxRecord whatever the response's size
// (an all-partner HS10 month is about 120,000 records), and copies out only
// the cells of the columns it uses. 204 No Content means a valid query with
// no data; 400 means the query is wrong and is a permanent error. 429 and
// 5xx are retried with exponential backoff and full jitter, honouring
// Retry-After.
package census
