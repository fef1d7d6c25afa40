import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError } from "./api.js";
import { App } from "./app.js";
import "./styles.css";

/**
 * "unauthorized" anywhere means the session has ended (a wrong signature password is another 401 and
 * keeps it): forget the session, and the pages that need one send the user to log in.
 */
const onError = (error: unknown) => {
  if (error instanceof ApiError && error.code === "unauthorized") queryClient.setQueryData(["session"], null);
};
const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
