from bnn2hw.cli import main

raise SystemExit(main())
