* Reference values for tests/test_lab.py (analysis.lab.factor), from GNU PSPP (Debian package pspp).
* Regenerate: cd tests/reference/pspp && python3 factor_values.py   (runs this file, writes factor.txt
* and factor_values.csv with PSPP's unrounded cell values).
* Principal components, eigenvalues above 1 (one component on this fixture): KMO, Bartlett's test,
* eigenvalues, variance explained and loadings. A second FACTOR asking for two components is left
* out on purpose: PSPP 1.6.2 then prints the eigenvector of the smallest eigenvalue as component 2
* (its squared loadings sum to .52 while the table says .72), so it cannot serve as a reference.
SET DECIMAL=DOT.
GET DATA /TYPE=TXT /FILE='fixture.csv' /ARRANGEMENT=DELIMITED /DELIMITERS=',' /FIRSTCASE=2
  /VARIABLES=id F4.0 post F1.0 edu F1.0 sat_pay F1.0 sat_workload F1.0 sat_training F1.0
  sat_promotion F1.0 sat_recognition F1.0.
FACTOR /VARIABLES=sat_pay sat_workload sat_training sat_promotion sat_recognition
  /PRINT=INITIAL EXTRACTION ROTATION KMO
  /CRITERIA=MINEIGEN(1) ITERATE(100)
  /EXTRACTION=PC
  /ROTATION=VARIMAX.
