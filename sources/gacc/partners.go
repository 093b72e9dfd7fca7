package gacc

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
	"unicode"
)

// partners.csv maps GACC trading-partner codes and names to ISO 3166-1
// alpha-2. Columns: code, iso2, name_en, name_zh, aliases (|-separated).
//
// Source: GACC's country/region code table (国别(地区)代码表) as used in its
// statistics and customs declarations. UNCONFIRMED: the three-digit codes
// were written down from memory of that table and have not been checked
// against the published list; only 502 = United States is relied on by the
// examples. The names and ISO codes are ordinary country names. The table
// covers the United States and China's main partners only; a partner not in
// it is rejected (bad_country), never guessed.
//
//go:embed partners.csv
var partnersCSV string

// partners_en.tsv: every partner by the English name GACC's tables print
// (about 230 names and variants), with ISO2; see the file's header.
//
//go:embed partners_en.tsv
var partnersEN string

type partner struct{ code, iso2, nameEN string }

type partnerIndex struct {
	byCode map[string]partner
	byName map[string]partner // normalised name, alias or ISO2
}

var partners = sync.OnceValues(func() (*partnerIndex, error) {
	rows, err := csv.NewReader(strings.NewReader(partnersCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("embedded partners.csv: %w", err)
	}
	idx := &partnerIndex{byCode: map[string]partner{}, byName: map[string]partner{}}
	for i, r := range rows[1:] {
		p := partner{code: r[0], iso2: r[1], nameEN: r[2]}
		if _, dup := idx.byCode[p.code]; dup {
			return nil, fmt.Errorf("embedded partners.csv line %d: code %s twice", i+2, p.code)
		}
		idx.byCode[p.code] = p
		names := append([]string{r[1], r[2], r[3]}, strings.Split(r[4], "|")...)
		for _, n := range names {
			if k := normName(n); k != "" {
				if q, dup := idx.byName[k]; dup && q.iso2 != p.iso2 {
					return nil, fmt.Errorf("embedded partners.csv line %d: name %q also names %s", i+2, n, q.iso2)
				}
				idx.byName[k] = p
			}
		}
	}
	for i, line := range strings.Split(partnersEN, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 2 || len(f[1]) != 2 {
			return nil, fmt.Errorf("embedded partners_en.tsv line %d: want name and ISO2", i+1)
		}
		k := normName(f[0])
		if q, dup := idx.byName[k]; dup {
			if q.iso2 != f[1] {
				return nil, fmt.Errorf("embedded partners_en.tsv line %d: %q is %s, partners.csv says %s", i+1, f[0], f[1], q.iso2)
			}
			continue
		}
		idx.byName[k] = partner{iso2: f[1], nameEN: f[0]}
	}
	return idx, nil
})

// normName folds a partner name for lookup: lower case, punctuation and
// spaces dropped ("U.S.A." → "usa", "Korea, Rep." → "korearep").
func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// lookupPartner resolves a GACC partner code or a partner name (English,
// Chinese, or ISO2) to ISO2.
func lookupPartner(code, name string) (partner, bool) {
	idx, err := partners()
	if err != nil {
		panic(err) // the embedded table is part of the binary; tests cover it
	}
	code = strings.TrimSpace(code)
	if code != "" {
		if p, ok := idx.byCode[code]; ok {
			return p, true
		}
		// A code column that holds a name ("美国") still resolves.
		if p, ok := idx.byName[normName(code)]; ok {
			return p, true
		}
	}
	if name != "" {
		p, ok := idx.byName[normName(name)]
		return p, ok
	}
	return partner{}, false
}
