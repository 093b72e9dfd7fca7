package reference

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
	"unicode"
)

// iso3166_countries.csv: ISO 3166-1 as shipped in Debian's iso-codes
// package (4.15.0, /usr/share/iso-codes/json/iso_3166-1.json): alpha-2,
// alpha-3, name, official name and common name of every country.
//
//go:embed iso3166_countries.csv
var iso3166CSV string

// country_aliases.csv: the project's own list of names shipping records
// use that ISO 3166-1 does not (USA, South Korea, Vietnam, Taiwan, ...).
//
//go:embed country_aliases.csv
var countryAliasesCSV string

var isoByKey = sync.OnceValues(func() (map[string]string, error) {
	out := map[string]string{}
	rows, err := csv.NewReader(strings.NewReader(iso3166CSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("embedded ISO 3166-1: %w", err)
	}
	for _, r := range rows[1:] {
		for _, name := range r { // alpha2, alpha3 and every name
			if name != "" {
				out[CountryKey(name)] = r[0]
			}
		}
	}
	// Census Schedule C names ("Korea, South", "Burma") name countries too.
	sc, err := scheduleC()
	if err != nil {
		return nil, err
	}
	for _, c := range sc {
		if c.ISO2 != "" {
			if _, ok := out[CountryKey(c.Name)]; !ok {
				out[CountryKey(c.Name)] = c.ISO2
			}
		}
	}
	rows, err = csv.NewReader(strings.NewReader(countryAliasesCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("embedded country aliases: %w", err)
	}
	for _, r := range rows[1:] {
		out[CountryKey(r[0])] = r[1]
	}
	return out, nil
})

// CountryKey is the lookup form of a country name or code: upper case,
// letters and digits only, words separated by one space ("Korea, Republic
// of" → "KOREA REPUBLIC OF"; "U.S.A." → "USA").
func CountryKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToUpper(r))
		case r == '.' || r == '\'':
			// U.S.A. → USA, Cote d'Ivoire → COTE DIVOIRE
		default:
			space = true
		}
	}
	return b.String()
}

// ISO2 returns the ISO 3166-1 alpha-2 code of a country given by alpha-2,
// alpha-3, ISO name, or a common alias, in any case and punctuation.
func ISO2(nameOrCode string) (string, bool) {
	m, err := isoByKey()
	if err != nil {
		panic(err) // the embedded tables are part of the binary; tests cover them
	}
	c, ok := m[CountryKey(nameOrCode)]
	return c, ok
}
