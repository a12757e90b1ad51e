* Reference values for tests/test_stats_pspp.py, from GNU PSPP (Debian package pspp).
* Regenerate: cd tests/reference/pspp && pspp -O format=txt -o reference.txt reference.sps
SET DECIMAL=DOT.
GET DATA /TYPE=TXT /FILE='fixture.csv' /ARRANGEMENT=DELIMITED /DELIMITERS=',' /FIRSTCASE=2
  /VARIABLES=id F4.0 post F1.0 edu F1.0 sat_pay F1.0 sat_workload F1.0 sat_training F1.0
  sat_promotion F1.0 sat_recognition F1.0.
FREQUENCIES /VARIABLES=edu post sat_pay /STATISTICS=MEAN MEDIAN STDDEV.
CROSSTABS /TABLES=post BY edu /STATISTICS=CHISQ PHI /CELLS=COUNT ROW EXPECTED.
RELIABILITY /VARIABLES=sat_pay sat_workload sat_training sat_promotion sat_recognition
  /MODEL=ALPHA /SUMMARY=TOTAL.
* Rank tests, the mean's t interval, and a binary logit (an ordinal logit with two answers).
COMPUTE leader = 2 - (post <= 2).
COMPUTE top = (sat_pay >= 4).
EXECUTE.
NPAR TESTS /M-W = sat_pay BY leader(1 2) /K-W = sat_pay BY post(1 4).
EXAMINE /VARIABLES=sat_pay /STATISTICS=DESCRIPTIVES.
LOGISTIC REGRESSION top WITH leader sat_workload.
