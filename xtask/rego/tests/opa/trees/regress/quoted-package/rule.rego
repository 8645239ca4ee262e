# A package path with a quoted segment, as regal names its rules.
package rules["walk-no-path"]

report contains "walk" if input.walk
