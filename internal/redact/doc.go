// Package redact removes secrets from text before it leaves the process:
// log lines, error bodies of upstream servers, records the engine stores
// and the API serves.
//
// One function does it, (*Redactor).Scrub, which knows each secret the
// process holds: the values added with Add (API keys, the API token,
// cloud credentials, read from the environment by cmd) and, whatever
// their value, credentials written into URLs (user:password@host, and the
// values of query parameters such as key=, token=, X-Amz-Signature=).
// Each is replaced by "REDACTED". A nil *Redactor scrubs the URL forms
// only, so code that is handed none is still safe against the common
// leak: an upstream error page echoing the request URL.
//
// A Redactor is safe for concurrent use; Add may be called at any time,
// and later Scrubs see the secret.
package redact
