"""Reference data and identifiers that list loaders, input readers and matchers all use
(countries, MAC/OUI, enterprise numbers, CPE): below all of them, as rigour sits below
nomenklatura."""
