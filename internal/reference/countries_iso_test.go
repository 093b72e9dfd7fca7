package reference

import "testing"

func TestISO2(t *testing.T) {
	for in, want := range map[string]string{
		"CN": "CN", "chn": "CN", "China": "CN", "CHINA": "CN", "  china ": "CN",
		"Korea, Republic of": "KR", "South Korea": "KR", "Korea, South": "KR",
		"Viet Nam": "VN", "VIETNAM": "VN", "Taiwan": "TW", "Hong Kong": "HK",
		"U.S.A.": "US", "United States": "US", "Germany": "DE", "DEU": "DE",
		"Cote d'Ivoire": "CI", "Côte d'Ivoire": "CI", "UK": "GB",
	} {
		got, ok := ISO2(in)
		if !ok || got != want {
			t.Errorf("ISO2(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "Atlantis", "Multiple Countries", "XX"} {
		if got, ok := ISO2(in); ok {
			t.Errorf("ISO2(%q) = %q, want not found", in, got)
		}
	}
}
