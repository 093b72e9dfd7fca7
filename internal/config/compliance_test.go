package config

import (
	"strings"
	"testing"
)

func TestComplianceOptions(t *testing.T) {
	cases := []struct {
		name, options string
		baseline      string
		proration     string
		bases         string
		services      string // baseline; 2020; 2021
	}{
		{"defaults", "", "lake", "linear", "us_exports,cn_imports", "56.1;;"},
		{"all set", `{baseline: piie_revised, proration: seasonal, bases: [cn_imports],
			services: {baseline_2017_usd_bn: "56.10", usd_bn: {2020: 46.1, 2021: "52.25"}}}`,
			"piie_revised", "seasonal", "cn_imports", "56.10;46.1;52.25"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := "jobs:\n  compliance:\n    source: compliance\n"
			if tc.options != "" {
				doc += "    options: " + tc.options + "\n"
			}
			c, err := Parse([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			o := c.Jobs.Get("compliance").Decoded.(*ComplianceOptions)
			s := o.Services.Baseline2017.Text('f') + ";"
			for _, y := range []int{2020, 2021} {
				if v, ok := o.Services.ByYear[y]; ok {
					s += v.Text('f')
				}
				if y == 2020 {
					s += ";"
				}
			}
			if o.Baseline != tc.baseline || o.Proration != tc.proration || strings.Join(o.Bases, ",") != tc.bases || s != tc.services {
				t.Errorf("options = %s %s %v services %s", o.Baseline, o.Proration, o.Bases, s)
			}
		})
	}
}
