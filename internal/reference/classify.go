package reference

import (
	"fmt"
	"strings"
)

// Coverage says whether an HS code is a covered good of Annex 6.1.
type Coverage int

// Coverages.
const (
	NotCovered Coverage = iota
	Covered
	// PartlyCovered: the code is shorter than a listed line it contains, and
	// that line's class differs from the rest of the code's (HS6 271012
	// holds naphtha 271012250 and uncovered light oils; HS4 2905 holds
	// methanol, energy, and other alcohols, manufactured). Such a figure
	// cannot be split without finer data, so it is counted as ambiguous,
	// never guessed.
	PartlyCovered
)

func (c Coverage) String() string {
	switch c {
	case Covered:
		return "covered"
	case PartlyCovered:
		return "ambiguous"
	default:
		return "not covered"
	}
}

// Class is what Classify says about an HS code.
type Class struct {
	Coverage    Coverage
	Category    Category // the goods category when Covered; Uncovered or Ambiguous otherwise
	Subcategory string   // when Covered
	// Line is the Annex line that decided (the longest listed prefix of the
	// code); for PartlyCovered, the first longer listed line under the code.
	Line string
}

// Classifier places HS codes in the Annex 6.1 categories. It is safe for
// concurrent use.
type Classifier struct {
	lines map[string]AnnexLine
	// under maps every proper prefix of a listed line to the listed lines
	// that extend it, so "is a finer line hidden under this code" is a
	// lookup.
	under map[string][]string
}

// Definition is a product set: which goods a tracker counts as covered.
type Definition string

// Definitions.
const (
	// Original is the Attachment to Annex 6.1 as printed, the product set of
	// PIIE's May 2020 tracker (2017 US-exports baseline $78.8bn).
	Original Definition = "original"
	// Revised adds the national lines trackers count although the
	// Attachment does not print them (Census 880000, civil aircraft), the
	// product set of PIIE's October 2020 revision ($95.1bn).
	Revised Definition = "revised"
)

// ParseDefinition accepts original or revised.
func ParseDefinition(s string) (Definition, error) {
	switch d := Definition(s); d {
	case Original, Revised:
		return d, nil
	}
	return "", fmt.Errorf("definition %q is not original or revised", s)
}

// NewClassifier returns a classifier over the embedded Annex 6.1 list and
// the national lines of basis b for definition d
// (phase1_national_lines.tsv: Census 880000 on the revised definition,
// China's HS-8 naphtha on every one). It panics on an unknown definition, which
// callers validate with ParseDefinition.
func NewClassifier(b Basis, d Definition) *Classifier {
	if _, err := ParseDefinition(string(d)); err != nil {
		panic(fmt.Sprintf("reference: %v", err))
	}
	lines := Annex()
	for _, n := range NationalLines() {
		if n.Basis == b && (n.Definition == d || n.Definition == "all") {
			lines = append(lines[:len(lines):len(lines)], n.AnnexLine)
		}
	}
	return newClassifier(lines)
}

func newClassifier(lines []AnnexLine) *Classifier {
	c := &Classifier{lines: map[string]AnnexLine{}, under: map[string][]string{}}
	for _, l := range lines {
		c.lines[l.HS] = l
		for n := 1; n < len(l.HS); n++ {
			c.under[l.HS[:n]] = append(c.under[l.HS[:n]], l.HS)
		}
	}
	return c
}

// Classify places an HS code of any length (digits only, leading zeros
// kept) by the longest listed prefix:
//   - 290511 (methanol) is energy although 2905 is manufactured goods;
//   - 271121 (natural gas in gaseous state, pipeline gas) is not covered:
//     no listed line is a prefix of it;
//   - a code with a listed line strictly under it whose class differs from
//     the code's own (longest-prefix) class is PartlyCovered, category
//     Ambiguous: HS6 271012 (listed: 271012250), HS4 2711, HS4 2905.
//
// It returns an error for an empty code or one with non-digits.
func (c *Classifier) Classify(hs string) (Class, error) {
	if !digits(hs) {
		return Class{}, fmt.Errorf("classify hs code %q: not a string of digits", hs)
	}
	own := Class{Coverage: NotCovered, Category: Uncovered}
	for n := len(hs); n > 0; n-- {
		if l, ok := c.lines[hs[:n]]; ok {
			own = Class{Coverage: Covered, Category: l.Category, Subcategory: l.Subcategory, Line: l.HS}
			break
		}
	}
	for _, finer := range c.under[hs] {
		l := c.lines[finer]
		if l.Category != own.Category || l.Subcategory != own.Subcategory {
			return Class{Coverage: PartlyCovered, Category: Ambiguous, Line: finer}, nil
		}
	}
	return own, nil
}

// String formats a class for messages, e.g. "energy/Refined products (290511)".
func (c Class) String() string {
	var b strings.Builder
	b.WriteString(string(c.Category))
	if c.Subcategory != "" {
		b.WriteString("/" + c.Subcategory)
	}
	if c.Line != "" {
		b.WriteString(" (" + c.Line + ")")
	}
	return b.String()
}
