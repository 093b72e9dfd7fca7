package gacc

import "testing"

// FuzzGACCHTML parses arbitrary HTML as a release page or a detail table
// saved as HTML. The seed corpus holds the release cell that made money
// arithmetic panic (issue 12).
func FuzzGACCHTML(f *testing.F) {
	f.Add([]byte(`<html><body><p>Unit: US$1,000</p><table><tr><td>Country</td><td>12</td><td>1-12</td></tr><tr><td>Total</td><td>1.000000000000000000000000000000000001</td><td>5</td></tr></table></body></html>`))
	fuzzParse(f, "release.html")
}
