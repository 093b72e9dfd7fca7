// Package census reads the U.S. Census Bureau international trade API
// (timeseries/intltrade/{exports,imports}/hs): live, one request per month,
// or from saved responses dropped in an inbox.
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
