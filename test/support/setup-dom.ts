import { configure } from "@testing-library/react";

// findBy*/waitFor resolve on DOM mutations; the timeout only bounds a slow CI machine.
configure({ asyncUtilTimeout: 5_000 });
